{{/* Names, labels and image references shared by every template. */}}

{{- define "nucleus.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Prefix of every object name; trimmed so "<prefix>-operator" and "<prefix>-agent" stay valid DNS labels. */}}
{{- define "nucleus.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "nucleus.operatorName" -}}
{{- printf "%s-operator" (include "nucleus.fullname" .) }}
{{- end }}

{{- define "nucleus.agentName" -}}
{{- printf "%s-agent" (include "nucleus.fullname" .) }}
{{- end }}

{{- define "nucleus.signingSecretName" -}}
{{- default (printf "%s-agent-signing" (include "nucleus.fullname" .)) .Values.agent.signingKey.existingSecret }}
{{- end }}

{{- define "nucleus.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: stable across upgrades, so never add version-like values here. Call with (list $ "component"). */}}
{{- define "nucleus.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "nucleus.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/* Full label set of an object. Call with (list $ "component"). */}}
{{- define "nucleus.labels" -}}
{{- $root := index . 0 -}}
{{ include "nucleus.selectorLabels" . }}
app.kubernetes.io/part-of: nucleus
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
helm.sh/chart: {{ include "nucleus.chart" $root }}
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Image reference from an image block. Call with (list $ .Values.x.image); a digest wins over the tag. */}}
{{- define "nucleus.image" -}}
{{- $root := index . 0 }}
{{- $image := index . 1 }}
{{- $repository := $image.repository }}
{{- with $root.Values.imageRegistry }}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository }}
{{- end }}
{{- if $image.digest }}
{{- printf "%s@%s" $repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default $root.Chart.AppVersion $image.tag) }}
{{- end }}
{{- end }}

