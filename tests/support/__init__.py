"""Support code for the tests, not tests: the tests' own project, the CLI run in-process, real
redis-server, registry and moto processes, hand-written objects and settings cases.

Test modules import from here; tests/conftest.py only turns some of it into fixtures.
"""
