"""Operation: how the password reaches the cluster (secret_mode) and AWS Secrets Manager (`secret`)."""
