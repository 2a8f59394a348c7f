"""Stage 1, load: environment files read strictly and merged over _common.yaml."""
