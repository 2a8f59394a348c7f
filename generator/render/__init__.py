"""Stage 4, render: settings -> chart/Chart.yaml, values.yaml, values-<env>.yaml and argocd/<env>.yaml,
then written atomically (write.py)."""
