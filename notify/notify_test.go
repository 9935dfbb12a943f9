package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWebhookSignsAndPosts(t *testing.T) {
	var got Message
	var sig string
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		sig = r.Header.Get("X-Signature")
		_ = json.Unmarshal(body, &got)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	w := Webhook{URL: srv.URL, Secret: "s3cret"}
	if err := w.Notify(context.Background(), Message{Kind: "expert.invitation", To: "13800138000", Ref: "draw:1/member:2"}); err != nil {
		t.Fatal(err)
	}
	if got.To != "13800138000" || got.Ref != "draw:1/member:2" {
		t.Errorf("gateway got %+v", got)
	}
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(body)
	if sig != hex.EncodeToString(mac.Sum(nil)) {
		t.Errorf("signature %q does not match the body", sig)
	}
}

func TestWebhookReportsGatewayFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	if err := (Webhook{URL: srv.URL}).Notify(context.Background(), Message{Ref: "x"}); err == nil {
		t.Fatal("a 502 from the gateway must be an error")
	}
}
