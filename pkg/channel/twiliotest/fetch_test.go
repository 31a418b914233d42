package twiliotest

import (
	"encoding/json"
	"net/http"
	"testing"
)

// get fetches path from the fake as twilio-go's FetchCall does (a GET
// with a form Content-Type and no body) and decodes the JSON answer.
func get(t *testing.T, s *Server, method, path, user, pass string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", form)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("answer %d is not JSON: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, body
}

func TestFetchCall(t *testing.T) {
	s := New(t, Config{})
	status, created, _ := post(t, s, callsPath, AccountSID, AuthToken, form, goodCall())
	if status != 201 {
		t.Fatalf("got %d %v; want 201", status, created)
	}
	sid := created["sid"].(string)
	path := "/2010-04-01/Accounts/" + AccountSID + "/Calls/" + sid + ".json"
	unknown := "/2010-04-01/Accounts/" + AccountSID + "/Calls/CA99999999999999999999999999999999.json"

	tests := []struct {
		name              string
		set               *CallState // what Twilio holds first; nil leaves it
		method, path      string
		user, pass        string
		status            int
		code              any    // of an error document
		callStatus        string // of a call resource
		duration, machine any    // its duration and answered_by (nil: JSON null)
		ended             bool   // whether end_time is set
	}{
		{name: "just placed", method: "GET", path: path, user: AccountSID, pass: AuthToken, status: 200, callStatus: "queued"},
		{name: "ringing", set: &CallState{Status: "ringing"}, method: "GET", path: path, user: AccountSID, pass: AuthToken, status: 200,
			callStatus: "ringing"},
		{name: "in progress", set: &CallState{Status: "in-progress", AnsweredBy: "human"}, method: "GET", path: path, user: AccountSID,
			pass: AuthToken, status: 200, callStatus: "in-progress", machine: "human"},
		{name: "completed", set: &CallState{Status: "completed", AnsweredBy: "human", Duration: 42}, method: "GET", path: path,
			user: AccountSID, pass: AuthToken, status: 200, callStatus: "completed", duration: "42", machine: "human", ended: true},
		{name: "busy", set: &CallState{Status: "busy"}, method: "GET", path: path, user: AccountSID, pass: AuthToken, status: 200,
			callStatus: "busy", ended: true},
		{name: "no auth", method: "GET", path: path, status: 401, code: 20003.0},
		{name: "wrong token", method: "GET", path: path, user: AccountSID, pass: "f00dfeedcafe0123456789abcdef9999", status: 401, code: 20003.0},
		{name: "unknown call", method: "GET", path: unknown, user: AccountSID, pass: AuthToken, status: 404, code: 20404.0},
		{name: "another account's call", method: "GET", path: "/2010-04-01/Accounts/AC99999999999999999999999999999999/Calls/" + sid + ".json",
			user: AccountSID, pass: AuthToken, status: 404, code: 20404.0},
		{name: "a POST to a call", method: "POST", path: path, user: AccountSID, pass: AuthToken, status: 404, code: 20404.0},
	}
	for _, tt := range tests {
		if tt.set != nil {
			s.SetCall(sid, *tt.set)
		}
		status, body := get(t, s, tt.method, tt.path, tt.user, tt.pass)
		if status != tt.status {
			t.Errorf("%s: got %d %v; want %d", tt.name, status, body, tt.status)
			continue
		}
		if tt.status != 200 {
			if body["code"] != tt.code || body["status"] != float64(tt.status) || body["message"] == "" || body["more_info"] == nil {
				t.Errorf("%s: got %v; want Twilio's error document with code %v", tt.name, body, tt.code)
			}
			continue
		}
		if body["sid"] != sid || body["account_sid"] != AccountSID || body["status"] != tt.callStatus || body["duration"] != tt.duration ||
			body["answered_by"] != tt.machine || (body["end_time"] != nil) != tt.ended || body["to"] != "+15551230001" ||
			body["direction"] != "outbound-api" || body["uri"] != path {
			t.Errorf("%s: got %v; want call %s, status %s, duration %v, answered_by %v, ended %v",
				tt.name, body, sid, tt.callStatus, tt.duration, tt.machine, tt.ended)
		}
	}
	if reqs := s.Requests(); len(reqs) != len(tests)+1 || reqs[6].AuthOK || reqs[6].Status != 401 || reqs[1].Method != "GET" || !reqs[1].AuthOK {
		t.Errorf("got requests %+v; want each recorded with its method, auth and answer", reqs)
	}
}

func TestDeleteCall(t *testing.T) {
	s := New(t, Config{})
	_, created, _ := post(t, s, callsPath, AccountSID, AuthToken, form, goodCall())
	sid := created["sid"].(string)
	s.DeleteCall(sid)
	if status, body := get(t, s, "GET", "/2010-04-01/Accounts/"+AccountSID+"/Calls/"+sid+".json", AccountSID, AuthToken); status != 404 ||
		body["code"] != 20404.0 {
		t.Errorf("got %d %v after DeleteCall; want 404 code 20404", status, body)
	}
}

// TestSetCallUnknown: a test that sets the state of a call the fake never
// placed is told so.
func TestSetCallUnknown(t *testing.T) {
	s := New(t, Config{})
	if s.setCall("CA99999999999999999999999999999999", CallState{Status: "busy"}) {
		t.Errorf("setCall of an unknown SID = true; want false")
	}
	if _, ok := s.CallState("CA99999999999999999999999999999999"); ok {
		t.Errorf("CallState of an unknown SID: ok; want not")
	}
}
