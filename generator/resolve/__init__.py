"""Stage 3, resolve: what the settings leave to be found out (the ECR registry and repository)."""
