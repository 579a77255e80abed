package exampleapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"stytch-desktop/app/exampleapi"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/sessiontest"
)

func TestStartInProcess(t *testing.T) {
	api := sessiontest.Start(t, localstytch.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := exampleapi.Start(ctx, "127.0.0.1:0", api.Server.ProjectID(), api.Server.Secret(), api.Base, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	s := api.Member(t, "northwind")
	req, _ := http.NewRequest(http.MethodGet, r.URL+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+s.JWT)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(r.URL + "/api/me"); err == nil {
		t.Fatal("still serving after Close")
	}
	if _, err := exampleapi.Start(ctx, "127.0.0.1:0", api.Server.ProjectID(), "wrong", "http://127.0.0.1:1", 0); err == nil {
		t.Fatal("started without reachable signing keys")
	}
}
