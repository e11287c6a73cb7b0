{{/* Name of the release's objects. */}}
{{- define "dhcp-template.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "dhcp-template.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component (operator or agent). */}}
{{- define "dhcp-template.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Image of one component; this project publishes no images, so the repository must be set. */}}
{{- define "dhcp-template.image" -}}
{{- $repository := required "image.repository is not set: no images of dhcp-template are published. Build and push dhcp-template-operator and dhcp-template-agent from the repository's Containerfile (README, \"Building the images\"), then set image.repository to their prefix, e.g. --set image.repository=registry.example.com/you/dhcp-template" .root.Values.image.repository -}}
{{- printf "%s-%s:%s" $repository .component (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{/* Name of the Secret holding the gRPC TLS certificate. */}}
{{- define "dhcp-template.tlsSecret" -}}
{{- .Values.tls.existingSecret | default (printf "%s-tls" (include "dhcp-template.fullname" .)) -}}
{{- end -}}

{{/* Container security context shared by both components. */}}
{{- define "dhcp-template.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Pod annotations of one component: Prometheus scrape annotations and the user's own. */}}
{{- define "dhcp-template.podAnnotations" -}}
{{- if .root.Values.metrics.scrapeAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- with .annotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}
