{{/*
Helpers for the templates we own (the Secret and the NetworkPolicy). Written by hand, not
generated. Names here must match generator/core/names.py and generator/bitnami/names.py,
which `outputs` and the Argo CD manifests use. Every string from values or the release is
written with `quote`: a name such as 1e3 or yes is a number or a boolean to the YAML readers of
Kubernetes and Argo CD when left bare.
*/}}

{{/* Name of our own objects: the release name, which also prefixes Bitnami's. */}}
{{- define "twofa-redis.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "twofa-redis.labels" -}}
app.kubernetes.io/name: twofa-redis
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/part-of: twofa
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" | quote }}
{{- end -}}

{{/* Bitnami's `common.names.fullname`, which names its Services: see generator/bitnami/names.py. */}}
{{- define "twofa-redis.bitnamiFullname" -}}
{{- if contains "redis" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-redis" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The labels Bitnami puts on every Redis pod of this release (master, replicas, sentinel). */}}
{{- define "twofa-redis.redisPodSelector" -}}
app.kubernetes.io/name: redis
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{/* Fails the render when our own values are unusable, with the value that fixes it. */}}
{{- define "twofa-redis.validate" -}}
{{- if .Values.redis.enabled -}}
{{- if not .Values.redis.auth.enabled -}}
{{- fail "redis.auth.enabled must stay true: the seed promises password authentication" -}}
{{- end -}}
{{- if not .Values.redis.auth.existingSecret -}}
{{- fail "redis.auth.existingSecret must name the password Secret (setting secret_name)" -}}
{{- end -}}
{{- if and .Values.secret.password (lt (len .Values.secret.password) 8) -}}
{{- fail "secret.password must be at least 8 characters" -}}
{{- end -}}
{{- end -}}
{{- end -}}
