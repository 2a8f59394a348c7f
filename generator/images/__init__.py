"""Operation: the images an environment pulls, and copying them into ECR (`images`, `mirror`)."""
