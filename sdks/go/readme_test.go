package example_test

// The README's examples, run as written: every ```go block of README.md, in order, as one
// program against the local cloud (SDK_API_URL, SDK_API_KEY). The import block and the
// blocks that declare a func go at the top level, the others are main's body, in order.
// Only the host, the key and the webhook secret change (and the spec's idempotency key
// gets a suffix: the SDKs share one account in these tests); after the blocks, main hands
// the README's webhook handler a delivery signed moments ago.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var goBlock = regexp.MustCompile("(?ms)^```go\n(.*?)^```")

func readmeProgram(t *testing.T, secret string) string {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var top, body []string
	for _, m := range goBlock.FindAllStringSubmatch(string(raw), -1) {
		block := m[1]
		if strings.HasPrefix(block, "import") || strings.HasPrefix(block, "func ") {
			top = append(top, block)
		} else {
			body = append(body, block)
		}
	}
	if len(top) < 2 || len(body) < 3 {
		t.Fatalf("README.md: %d top-level and %d body blocks", len(top), len(body))
	}
	code := "package main\n\n" + strings.Join(top, "\n") + "\nfunc readme() {\n" + strings.Join(body, "\n") + "}\n"
	r := strings.NewReplacer(
		`"sk_test_..."`, strconv.Quote(env(t, "SDK_API_KEY")),
		`"http://127.0.0.1:8000"`, strconv.Quote(env(t, "SDK_API_URL")),
		`"whsec_..."`, strconv.Quote(secret),
		`"order_12345_create_resource"`, strconv.Quote("order_12345_create_resource_go_"+strconv.FormatInt(time.Now().UnixNano(), 36)),
	)
	return r.Replace(code)
}

const readmeHarness = `package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
)

func main() {
	readme()
	var d struct {
		Payload string            ` + "`json:\"payload\"`" + `
		Headers map[string]string ` + "`json:\"headers\"`" + `
	}
	raw, _ := os.ReadFile(os.Args[1])
	if err := json.Unmarshal(raw, &d); err != nil {
		panic(err)
	}
	req := httptest.NewRequest("POST", "/webhooks", strings.NewReader(d.Payload))
	for k, v := range d.Headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	handler(w, req)
	fmt.Printf("webhook handler: %d %s", w.Code, w.Body.String())
}
`

func TestReadmeExamplesRun(t *testing.T) {
	f, h := loadFixture(t)
	signed := resigned(t, f, h, time.Now().Unix())
	headers := map[string]string{}
	for k := range signed {
		headers[strings.ToLower(k)] = signed.Get(k)
	}
	dir := t.TempDir()
	sdk, _ := filepath.Abs(".")
	delivery, _ := json.Marshal(map[string]interface{}{"payload": f.Payload, "headers": headers})
	files := map[string]string{
		"readme.go":     readmeProgram(t, f.Secret),
		"main.go":       readmeHarness,
		"delivery.json": string(delivery),
		"go.mod": "module readme\n\ngo 1.19\n\nrequire github.com/example/example-go v0.0.0\n\n" +
			"replace github.com/example/example-go => " + sdk + "\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "run", ".", filepath.Join(dir, "delivery.json"))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's program failed: %v\n%s\n--- readme.go:\n%s", err, out, files["readme.go"])
	}
	if !strings.Contains(string(out), "webhook handler: 200 received "+f.EventID) || !strings.Contains(string(out), "Active resources: ") {
		t.Fatalf("%s", out)
	}
	t.Logf("%s", out)
}
