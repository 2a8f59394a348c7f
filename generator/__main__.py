import gc

# A run lives well under a second and builds nothing cyclic worth collecting while it imports
# (~10% of start-up went to the cyclic collector): collect nothing until the command's modules
# are in, then freeze what is there so later collections skip it.
gc.disable()

from generator.cli import main  # noqa: E402

raise SystemExit(main())
