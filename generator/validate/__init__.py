"""Stage 2, validate: the settings against schemas/values.schema.json, then the rules across fields."""
