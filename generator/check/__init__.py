"""Stage 5, check: helm lint and template as Argo CD runs them, the Kubernetes schemas, the
secrets guard, drift against what is committed, and the policy rules (policy/)."""
