{{/* The chart's name, cut to 63 characters (a DNS label). */}}
{{- define "bulwark.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the prefix of every object's name. */}}
{{- define "bulwark.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "bulwark.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "bulwark.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: bulwark
{{- end }}

{{/* The gateway pods' selector. */}}
{{- define "bulwark.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bulwark.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end }}

{{/* The in-chart Redis's Deployment and Service name. */}}
{{- define "bulwark.redisName" -}}
{{- printf "%s-redis" (include "bulwark.fullname" . | trunc 57 | trimSuffix "-") }}
{{- end }}

{{/* The in-chart Redis pod's selector. */}}
{{- define "bulwark.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "bulwark.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{/* The service account the gateway pods run as. */}}
{{- define "bulwark.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "bulwark.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* An image reference from {repository, tag, digest}; $default is the tag when none is set. */}}
{{- define "bulwark.image" -}}
{{- $img := index . 0 }}{{ $default := index . 1 }}
{{- if $img.digest }}
{{- printf "%s@%s" $img.repository $img.digest }}
{{- else }}
{{- printf "%s:%s" $img.repository (default $default $img.tag) }}
{{- end }}
{{- end }}

{{/* The Secret the gateway's secret variables come from, or "" for none. */}}
{{- define "bulwark.secretName" -}}
{{- if .Values.secret.existingSecret }}
{{- .Values.secret.existingSecret }}
{{- else if .Values.secret.env }}
{{- include "bulwark.fullname" . }}
{{- end }}
{{- end }}

{{/*
The bulwark config file: .Values.config with redis set from redis.enabled or
redis.url. Setting both redis and config.redis, or two Redis sources, fails.
*/}}
{{- define "bulwark.config" -}}
{{- $cfg := deepCopy (.Values.config | default dict) }}
{{- $sources := 0 }}
{{- if .Values.redis.enabled }}{{ $sources = add1 $sources }}{{ end }}
{{- if .Values.redis.url }}{{ $sources = add1 $sources }}{{ end }}
{{- if .Values.redis.urlSecret.name }}{{ $sources = add1 $sources }}{{ end }}
{{- if gt $sources 1 }}
{{- fail "set one of redis.enabled, redis.url and redis.urlSecret.name" }}
{{- end }}
{{- if and (gt $sources 0) (hasKey $cfg "redis") }}
{{- fail "set Redis with redis: in the values, not config.redis" }}
{{- end }}
{{- if hasKey $cfg "addr" }}
{{- fail "config.addr: the gateway listens on service.port's target 8080 (the image's --addr); remove config.addr" }}
{{- end }}
{{- if .Values.redis.enabled }}
{{- $_ := set $cfg "redis" (printf "redis://%s:6379/0" (include "bulwark.redisName" .)) }}
{{- else if .Values.redis.url }}
{{- $_ := set $cfg "redis" .Values.redis.url }}
{{- end }}
{{- toYaml $cfg }}
{{- end }}
