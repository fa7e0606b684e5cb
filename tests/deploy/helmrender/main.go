// helmrender: a small stand-in for `helm template`, for offline tests where no
// helm binary is available. It renders a chart the way Helm 3 does for the
// features the across-gateway chart uses: Go text/template with the Sprig
// function library (Debian's golang-github-masterminds-sprig-dev, the same
// library Helm uses), plus Helm's own include, tpl, required, toYaml,
// fromYaml, toJson and lookup; values from values.yaml deep-merged with -f
// files and --set-json; .Release, .Chart, .Capabilities and .Template.
//
// It is not Helm: no subcharts, no hooks, no .Files, no schema validation (the
// tests validate values.schema.json separately) and no --set string parsing.
//
//	go build -o helmrender . (GOPATH mode: GO111MODULE=off GOPATH=/usr/share/gocode)
//	helmrender [-strict] [-notes] [-f values.yaml]... [-set-json 'a.b=<json>']... \
//	           [-name RELEASE] [-namespace NS] CHART_DIR
//
// -strict makes a reference to a missing map key an error (Helm's
// `helm lint --strict` behaviour), which catches .Values typos.
// Output: the rendered manifests as one YAML stream with "# Source:" comments;
// with -notes, NOTES.txt only.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v2"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var valueFiles, setJSON multiFlag
	strict := flag.Bool("strict", false, "error on references to missing map keys")
	notes := flag.Bool("notes", false, "render NOTES.txt instead of the manifests")
	name := flag.String("name", "across-gateway", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	kubeVersion := flag.String("kube-version", "v1.30.0", "Capabilities.KubeVersion")
	flag.Var(&valueFiles, "f", "values file (repeatable)")
	flag.Var(&setJSON, "set-json", "path=JSON value (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: helmrender [flags] CHART_DIR")
		os.Exit(2)
	}
	out, err := render(flag.Arg(0), *name, *namespace, *kubeVersion, valueFiles, setJSON, *strict, *notes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helmrender:", err)
		os.Exit(1)
	}
	fmt.Print(out)
}

// readYAML parses YAML into JSON-compatible values (maps with string keys,
// float64 numbers), the shape Helm's sigs.k8s.io/yaml loader produces.
func readYAML(data []byte) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	j, err := json.Marshal(jsonable(raw))
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if string(j) == "null" {
		return out, nil
	}
	if err := json.Unmarshal(j, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func jsonable(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := map[string]interface{}{}
		for k, val := range t {
			m[fmt.Sprint(k)] = jsonable(val)
		}
		return m
	case []interface{}:
		for i := range t {
			t[i] = jsonable(t[i])
		}
		return t
	}
	return v
}

// coalesce merges src over dst like Helm: maps merge recursively, anything
// else replaces, and null deletes the key.
func coalesce(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, sok := v.(map[string]interface{})
		dm, dok := dst[k].(map[string]interface{})
		if sok && dok {
			dst[k] = coalesce(dm, sm)
		} else {
			dst[k] = v
		}
	}
	return dst
}

func setPath(values map[string]interface{}, path string, v interface{}) {
	keys := strings.Split(path, ".")
	m := values
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
}

// toYAML is Helm's toYaml: JSON round trip, then YAML with sorted keys.
func toYAML(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var obj interface{}
	if err := yaml.Unmarshal(j, &obj); err != nil {
		return ""
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m, err := readYAML([]byte(s))
	if err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return m
}

func toJSON(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(j)
}

type apiVersions []string

// Has mirrors .Capabilities.APIVersions.Has.
func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

func render(chartDir, releaseName, namespace, kubeVersion string, valueFiles, setJSON []string, strict, notesOnly bool) (string, error) {
	chartBytes, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return "", err
	}
	chartMeta, err := readYAML(chartBytes)
	if err != nil {
		return "", fmt.Errorf("Chart.yaml: %w", err)
	}
	chartName, _ := chartMeta["name"].(string)
	if chartName == "" {
		return "", fmt.Errorf("Chart.yaml: no name")
	}
	// .Chart uses Helm's Go field names.
	chart := map[string]interface{}{}
	for k, v := range chartMeta {
		chart[strings.ToUpper(k[:1])+k[1:]] = v
	}
	for _, k := range []string{"AppVersion", "Version", "Description", "Type", "KubeVersion"} {
		if _, ok := chart[k]; !ok {
			chart[k] = ""
		}
	}

	values := map[string]interface{}{}
	if b, err := os.ReadFile(filepath.Join(chartDir, "values.yaml")); err == nil {
		if values, err = readYAML(b); err != nil {
			return "", fmt.Errorf("values.yaml: %w", err)
		}
	}
	for _, f := range valueFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		over, err := readYAML(b)
		if err != nil {
			return "", fmt.Errorf("%s: %w", f, err)
		}
		values = coalesce(values, over)
	}
	for _, s := range setJSON {
		eq := strings.Index(s, "=")
		if eq < 1 {
			return "", fmt.Errorf("-set-json %q: want path=json", s)
		}
		var v interface{}
		if err := json.Unmarshal([]byte(s[eq+1:]), &v); err != nil {
			return "", fmt.Errorf("-set-json %q: %w", s, err)
		}
		setPath(values, s[:eq], v)
	}

	minor := strings.SplitN(strings.TrimPrefix(kubeVersion, "v"), ".", 3)
	top := map[string]interface{}{
		"Values": values,
		"Chart":  chart,
		"Release": map[string]interface{}{
			"Name": releaseName, "Namespace": namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{
				"Version": kubeVersion, "GitVersion": kubeVersion,
				"Major": minor[0], "Minor": minor[1],
			},
			"APIVersions": apiVersions{"v1", "apps/v1", "autoscaling/v2", "policy/v1",
				"networking.k8s.io/v1", "monitoring.coreos.com/v1"},
		},
		"Files": map[string]interface{}{},
	}

	// All templates share one set so include/define work across files, keyed
	// by "<chart>/templates/<file>" like Helm.
	tplDir := filepath.Join(chartDir, "templates")
	var names []string
	err = filepath.Walk(tplDir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() {
			rel, _ := filepath.Rel(tplDir, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(names)

	root := template.New("gotpl")
	if strict {
		root.Option("missingkey=error")
	} else {
		root.Option("missingkey=zero")
	}
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env") // Helm removes these two
	delete(funcs, "expandenv")
	includeDepth := 0
	funcs["include"] = func(name string, data interface{}) (string, error) {
		includeDepth++
		defer func() { includeDepth-- }()
		if includeDepth > 1000 {
			return "", fmt.Errorf("include %q: recursion too deep", name)
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		if _, err := t.New("tpl").Parse(text); err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "tpl", data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, fmt.Errorf("%s", msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, fmt.Errorf("%s", msg)
		}
		return v, nil
	}
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = fromYAML
	funcs["toJson"] = toJSON
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil // like `helm template`: no cluster
	}
	root.Funcs(funcs)

	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(tplDir, filepath.FromSlash(n)))
		if err != nil {
			return "", err
		}
		if _, err := root.New(chartName + "/templates/" + n).Parse(string(b)); err != nil {
			return "", err
		}
	}

	var out strings.Builder
	for _, n := range names {
		base := filepath.Base(n)
		isNotes := base == "NOTES.txt"
		if strings.HasPrefix(base, "_") || isNotes != notesOnly {
			continue
		}
		if !isNotes && !strings.HasSuffix(base, ".yaml") && !strings.HasSuffix(base, ".yml") {
			continue
		}
		full := chartName + "/templates/" + n
		data := map[string]interface{}{}
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": full, "BasePath": chartName + "/templates"}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, full, data); err != nil {
			return "", err
		}
		// Helm renders a missing value as "<no value>" and then blanks it.
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if notesOnly {
			out.WriteString(text)
			continue
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", full, strings.TrimRight(text, "\n"))
	}
	return out.String(), nil
}
