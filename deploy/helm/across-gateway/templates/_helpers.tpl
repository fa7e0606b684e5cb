{{/*
Chart name, truncated to the 63 characters a DNS label allows.
*/}}
{{- define "across-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name, unless it already contains the
chart name (so `helm install across-gateway ...` gives "across-gateway", not
"across-gateway-across-gateway").
*/}}
{{- define "across-gateway.fullname" -}}
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

{{- define "across-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: immutable on a Deployment, so keep them minimal.
*/}}
{{- define "across-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "across-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "across-gateway.labels" -}}
helm.sh/chart: {{ include "across-gateway.chart" . }}
{{ include "across-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/component: gateway
app.kubernetes.io/part-of: across
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "across-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "across-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference: a digest wins over a tag; the tag defaults to appVersion.
*/}}
{{- define "across-gateway.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}
{{- end }}

{{/*
Listener ports come from the gateway config, so the container ports, probes,
Service targets and NetworkPolicy can never disagree with what the server binds.
*/}}
{{- define "across-gateway.grpcPort" -}}
{{- dig "listeners" "grpc" "port" 50051 .Values.config | int }}
{{- end }}
{{- define "across-gateway.httpPort" -}}
{{- dig "listeners" "http" "port" 8787 .Values.config | int }}
{{- end }}

{{/*
Server drain after SIGTERM, in whole seconds (rounded up).
*/}}
{{- define "across-gateway.drainSeconds" -}}
{{- $ms := dig "limits" "drain_timeout_ms" 25000 .Values.config | int }}
{{- div (add $ms 999) 1000 }}
{{- end }}

{{/*
terminationGracePeriodSeconds: preStop sleep + server drain + slack, unless set
explicitly; an explicit value that cannot cover the first two is an error.
*/}}
{{- define "across-gateway.terminationGracePeriodSeconds" -}}
{{- $sleep := .Values.shutdown.preStopSleepSeconds | int }}
{{- $drain := include "across-gateway.drainSeconds" . | int }}
{{- $needed := add $sleep $drain }}
{{- if .Values.shutdown.terminationGracePeriodSeconds }}
{{- $explicit := .Values.shutdown.terminationGracePeriodSeconds | int }}
{{- if le $explicit $needed }}
{{- fail (printf "shutdown.terminationGracePeriodSeconds (%d) must exceed preStopSleepSeconds + drain (%d s)" $explicit $needed) }}
{{- end }}
{{- $explicit }}
{{- else }}
{{- add $needed (.Values.shutdown.slackSeconds | int) }}
{{- end }}
{{- end }}

{{/*
Name of the Secret holding provider API keys.
*/}}
{{- define "across-gateway.providerKeysSecret" -}}
{{- default (printf "%s-provider-keys" (include "across-gateway.fullname" .)) .Values.providerKeys.existingSecret }}
{{- end }}
