{{/* Names, labels and the per-function settings every template shares. */}}

{{- define "doable.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "doable.labels" -}}
app.kubernetes.io/name: doable
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: doable
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Pods of one function; PDBs and the metrics Service select on these. */}}
{{- define "doable.functionSelector" -}}
app.kubernetes.io/name: doable
app.kubernetes.io/instance: {{ .root.Release.Name }}
doable.dev/function: {{ .name }}
{{- end -}}

{{- define "doable.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{- define "doable.serviceAccountName" -}}
{{- include "doable.fullname" . -}}
{{- end -}}

{{/*
The effective settings of one function: its kind's defaults, overridden by its own entry.
Call with (dict "root" $ "name" $name) and read the result with fromYaml.
*/}}
{{- define "doable.functionSettings" -}}
{{- $fn := index .root.Values.functions .name -}}
{{- if not (has $fn.kind (list "http" "event")) -}}
{{- fail (printf "functions.%s.kind must be http or event, not %v" .name $fn.kind) -}}
{{- end -}}
{{- $defaults := index .root.Values.functionDefaults $fn.kind -}}
{{- /* Key by key, not sprig's merge: merge treats 0 as unset, so minScale: 0 could never override 1. */ -}}
{{- $merged := deepCopy $defaults -}}
{{- $_ := set $merged "resources" (deepCopy .root.Values.functionDefaults.resources) -}}
{{- range $key, $value := $fn -}}
{{- if eq $key "resources" -}}
{{- $_ := set $merged "resources" (mergeOverwrite (deepCopy $merged.resources) (deepCopy $value)) -}}
{{- else -}}
{{- $_ := set $merged $key $value -}}
{{- end -}}
{{- end -}}
{{- if gt (int $merged.minScale) (int $merged.maxScale) -}}
{{- fail (printf "functions.%s: minScale %v is above maxScale %v" .name $merged.minScale $merged.maxScale) -}}
{{- end -}}
{{- if and (eq $fn.kind "event") (lt (int $merged.minScale) 1) -}}
{{- fail (printf "functions.%s is event-triggered: its sidecar must run to receive events, so minScale must be at least 1" .name) -}}
{{- end -}}
{{- toYaml $merged -}}
{{- end -}}

{{/* Function names of one kind, sorted, for scopes and consumer groups. */}}
{{- define "doable.functionsOfKind" -}}
{{- $names := list -}}
{{- range $name, $fn := .root.Values.functions -}}
{{- if eq $fn.kind $.kind -}}{{- $names = append $names $name -}}{{- end -}}
{{- end -}}
{{- toJson (sortAlpha $names) -}}
{{- end -}}

{{- define "doable.secretStoreAuth" -}}
auth:
  secretStore: secretstore
{{- end -}}
