{{/* Chart name. */}}
{{- define "rke-harden.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped name: the release name, with the chart name unless the release already has it. */}}
{{- define "rke-harden.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "rke-harden.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "rke-harden.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component (node-agent, aggregator, remediate). */}}
{{- define "rke-harden.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rke-harden.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "rke-harden.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
Names with a tighter limit than most (DNS label, 63): the metrics Service, and the remediation CronJob
(52, its Jobs add a suffix). The release-scoped name is cut before the suffix only there, so that a long
release name still installs and no other object is renamed.
*/}}
{{- define "rke-harden.metricsService" -}}{{ include "rke-harden.fullname" . | trunc 55 | trimSuffix "-" }}-metrics{{- end -}}
{{- define "rke-harden.remediateCronJob" -}}{{ include "rke-harden.fullname" . | trunc 42 | trimSuffix "-" }}-remediate{{- end -}}

{{- define "rke-harden.nodeServiceAccount" -}}{{ include "rke-harden.fullname" . }}-node{{- end -}}
{{- define "rke-harden.aggregatorServiceAccount" -}}{{ include "rke-harden.fullname" . }}-aggregator{{- end -}}

{{/*
Host paths the node collector reads (src/collectors/node), read-only, per distro. Every path must
exist on every node it is mounted on: the type makes the kubelet check it, so that no runtime ever
creates a missing path on the host (an empty /var/lib/rancher/rke2 on an RKE1 node would change
what distro detection sees). /proc is the container's own, the host's through hostPID.
*/}}
{{- define "rke-harden.hostPaths" -}}
{{- if eq .Values.distro "rke2" }}
- {name: rke2-data, path: /var/lib/rancher/rke2, type: Directory}
- {name: rke2-config, path: /etc/rancher/rke2, type: Directory}
{{- else }}
- {name: kubernetes, path: /etc/kubernetes, type: Directory}
{{- if .Values.node.rke1DockerContainers }}
- {name: docker-containers, path: /var/lib/docker/containers, type: Directory}
{{- end }}
{{- end }}
- {name: cni-config, path: /etc/cni/net.d, type: Directory}
{{- if .Values.node.hostLocalIpam }}
- {name: cni-ipam, path: /var/lib/cni/networks, type: Directory}
{{- end }}
- {name: passwd, path: /etc/passwd, type: File}
- {name: group, path: /etc/group, type: File}
{{- end -}}

{{- define "rke-harden.podSecurityContextNonRoot" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "rke-harden.containerSecurityContextNonRoot" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
{{- end -}}
