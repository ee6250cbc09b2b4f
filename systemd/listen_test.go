package systemd

import (
	"reflect"
	"testing"
)

func TestParseListenEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    ListenEnv
		wantErr bool
	}{
		{"nothing", nil, ListenEnv{}, false},
		{"other pid", map[string]string{"LISTEN_PID": "7", "LISTEN_FDS": "1"}, ListenEnv{}, false},
		{"one unnamed", map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "1"}, ListenEnv{1, []string{"unknown"}}, false},
		{"named", map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "http:metrics"},
			ListenEnv{2, []string{"http", "metrics"}}, false},
		{"zero", map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "0"}, ListenEnv{0, []string{}}, false},
		{"names mismatch", map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "http"}, ListenEnv{}, true},
		{"bad pid", map[string]string{"LISTEN_PID": "me", "LISTEN_FDS": "1"}, ListenEnv{}, true},
		{"bad count", map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "-1"}, ListenEnv{}, true},
		{"missing count", map[string]string{"LISTEN_PID": "42"}, ListenEnv{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseListenEnv(func(k string) string { return tc.env[k] }, 42)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
