package launchd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"unicode/utf8"

	"howett.net/plist"
)

// Job is one launchd job: the keys of launchd.plist(5) that a service
// installer needs. Zero fields are left out of the plist, so launchd's
// defaults apply.
type Job struct {
	Label            string   `plist:"Label"`
	ProgramArguments []string `plist:"ProgramArguments"`
	UserName         string   `plist:"UserName,omitempty"`
	GroupName        string   `plist:"GroupName,omitempty"`
	WorkingDirectory string   `plist:"WorkingDirectory,omitempty"`
	// EnvironmentVariables is a dictionary: plists keep no order.
	EnvironmentVariables map[string]string `plist:"EnvironmentVariables,omitempty"`
	StandardOutPath      string            `plist:"StandardOutPath,omitempty"`
	StandardErrorPath    string            `plist:"StandardErrorPath,omitempty"`
	RunAtLoad            bool              `plist:"RunAtLoad,omitempty"`
	KeepAlive            *KeepAlive        `plist:"KeepAlive,omitempty"`
	// ThrottleInterval is the least number of seconds between two
	// starts (launchd's default is 10).
	ThrottleInterval int `plist:"ThrottleInterval,omitempty"`
	// ExitTimeOut is how many seconds launchd waits after SIGTERM before
	// SIGKILL (default 20).
	ExitTimeOut int    `plist:"ExitTimeOut,omitempty"`
	ProcessType string `plist:"ProcessType,omitempty"`
}

// KeepAlive says when launchd restarts the job. Always renders as <true/>;
// otherwise the conditions render as a dictionary.
type KeepAlive struct {
	Always bool
	// SuccessfulExit set to false restarts the job only after a non-zero
	// exit (or a signal): the on-failure policy.
	SuccessfulExit *bool
	// Crashed set to true restarts the job after it died of a signal.
	Crashed *bool
}

// MarshalPlist implements plist.Marshaler: launchd takes either a boolean
// or a dictionary of conditions.
func (k *KeepAlive) MarshalPlist() (any, error) {
	if k.Always {
		return true, nil
	}
	d := map[string]bool{}
	if k.SuccessfulExit != nil {
		d["SuccessfulExit"] = *k.SuccessfulExit
	}
	if k.Crashed != nil {
		d["Crashed"] = *k.Crashed
	}
	if len(d) == 0 {
		return false, nil
	}
	return d, nil
}

// UnmarshalPlist implements plist.Unmarshaler.
func (k *KeepAlive) UnmarshalPlist(unmarshal func(any) error) error {
	var b bool
	if err := unmarshal(&b); err == nil {
		*k = KeepAlive{Always: b}
		return nil
	}
	var d map[string]bool
	if err := unmarshal(&d); err != nil {
		return fmt.Errorf("launchd: KeepAlive: want a boolean or a dictionary: %w", err)
	}
	*k = KeepAlive{}
	if v, ok := d["SuccessfulExit"]; ok {
		k.SuccessfulExit = &v
	}
	if v, ok := d["Crashed"]; ok {
		k.Crashed = &v
	}
	return nil
}

// ErrInvalid is wrapped by every error about a Job that cannot be encoded
// faithfully.
var ErrInvalid = errors.New("invalid launchd job")

// Validate reports the first field launchd or XML cannot carry.
func (j *Job) Validate() error {
	if j.Label == "" {
		return fmt.Errorf("launchd: %w: empty Label", ErrInvalid)
	}
	if len(j.ProgramArguments) == 0 {
		return fmt.Errorf("launchd: %s: %w: empty ProgramArguments", j.Label, ErrInvalid)
	}
	if p := j.ProgramArguments[0]; !path.IsAbs(p) {
		return fmt.Errorf("launchd: %s: %w: program %q is not an absolute path", j.Label, ErrInvalid, p)
	}
	for _, f := range j.strings() {
		if err := checkXML(f.v); err != nil {
			return fmt.Errorf("launchd: %s: %w: %s %q: %v", j.Label, ErrInvalid, f.key, f.v, err)
		}
	}
	return nil
}

type field struct{ key, v string }

func (j *Job) strings() []field {
	fs := []field{{"Label", j.Label}, {"UserName", j.UserName}, {"GroupName", j.GroupName},
		{"WorkingDirectory", j.WorkingDirectory}, {"StandardOutPath", j.StandardOutPath},
		{"StandardErrorPath", j.StandardErrorPath}, {"ProcessType", j.ProcessType}}
	for i, a := range j.ProgramArguments {
		fs = append(fs, field{fmt.Sprintf("ProgramArguments[%d]", i), a})
	}
	for k, v := range j.EnvironmentVariables {
		fs = append(fs, field{"EnvironmentVariables key", k}, field{"EnvironmentVariables[" + k + "]", v})
	}
	return fs
}

// checkXML refuses what an XML 1.0 document cannot hold: invalid UTF-8,
// and control characters other than tab, newline and carriage return.
func checkXML(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d", i)
			}
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF:
			return fmt.Errorf("character %U at byte %d cannot be written in XML", r, i)
		}
	}
	return nil
}

// Encode renders j as an XML property list, tab-indented as Apple's tools
// write it.
func (j *Job) Encode() ([]byte, error) {
	if err := j.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := plist.NewEncoderForFormat(&b, plist.XMLFormat)
	enc.Indent("\t")
	if err := enc.Encode(j); err != nil {
		return nil, fmt.Errorf("launchd: %s: %w", j.Label, err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// WriteTo writes the encoded plist to w.
func (j *Job) WriteTo(w io.Writer) (int64, error) {
	b, err := j.Encode()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// Decode parses a property list (XML, binary or text) into a Job.
func Decode(data []byte) (*Job, error) {
	var j Job
	if _, err := plist.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("launchd: decode plist: %w", err)
	}
	return &j, nil
}
