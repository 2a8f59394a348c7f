"""Operation: what a change to an environment changes in what Argo CD deploys (`diff`)."""
