#!/usr/bin/env bash
# The cost of rendering N Helm charts (default 50), cold (empty
# .dvmlint-cache/) and warm (nothing changed), with the Helm of
# .ci/install-tools. Each chart has a few templates and its own values; every
# other chart's values add a default-deny policy. Usage:
#   benches/render-charts.sh [N] [path/to/dvmlint]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50}
BIN=${2:-target/release/dvmlint}
HELM=$PWD/.tools/bin/helm
[ -x "$HELM" ] || .ci/install-tools
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'render:\n  helm: %s\n' "$HELM" > "$dir/.dvmlint.yaml"
for i in $(seq 1 "$N"); do
    c="$dir/charts/app$i"
    mkdir -p "$c/templates"
    printf 'apiVersion: v2\nname: app%s\nversion: 0.1.0\n' "$i" > "$c/Chart.yaml"
    printf 'deny: %s\nreplicas: 2\n' "$([ $((i % 2)) = 0 ] && echo true || echo false)" > "$c/values.yaml"
    cat > "$c/templates/policy.yaml" <<'T'
{{- if .Values.deny }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ .Release.Name }}-deny
  namespace: {{ .Release.Name }}
spec:
  podSelector: {}
  policyTypes: [Ingress]
{{- end }}
T
    cat > "$c/templates/deployment.yaml" <<'T'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}}}
    spec:
      containers: [{name: app, image: "registry.example.com/app:1.0"}]
T
    cat > "$c/templates/service.yaml" <<'T'
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Name }}
spec:
  selector: {app: {{ .Release.Name }}}
  ports: [{port: 80}]
T
done
run() {
    local start end
    start=$(date +%s%N)
    "$BIN" check --format concise --quiet ${2:-} "$dir" > /dev/null || true
    end=$(date +%s%N)
    echo "$1: $(( (end - start) / 1000000 )) ms"
}
rm -rf "$dir/.dvmlint-cache"
run "no rendering (--render off --no-cache)" "--render off --no-cache"
rm -rf "$dir/.dvmlint-cache"
run "cold ($N charts, empty cache)"
run "warm (nothing changed)"
run "warm (nothing changed)"
printf 'deny: true\nreplicas: 3\n' > "$dir/charts/app1/values.yaml"
run "one chart's values changed"
echo "findings: $("$BIN" check --format concise --quiet "$dir" | grep -c DVM102 || true) DVM102"
