package launchd_test

import (
	"fmt"
	"os"

	"github.com/svcdev/svc/launchd"
)

func ExampleJob_Encode() {
	j := &launchd.Job{
		Label:            "svc",
		ProgramArguments: []string{"/usr/local/bin/svc", "run", "--listen", "127.0.0.1:8080"},
		RunAtLoad:        true,
		KeepAlive:        &launchd.KeepAlive{Always: true},
	}
	if _, err := j.WriteTo(os.Stdout); err != nil {
		fmt.Println(err)
	}
	fmt.Println(launchd.Bootstrap(launchd.System, "/Library/LaunchDaemons/svc.plist"))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
	// <plist version="1.0">
	// 	<dict>
	// 		<key>KeepAlive</key>
	// 		<true/>
	// 		<key>Label</key>
	// 		<string>svc</string>
	// 		<key>ProgramArguments</key>
	// 		<array>
	// 			<string>/usr/local/bin/svc</string>
	// 			<string>run</string>
	// 			<string>--listen</string>
	// 			<string>127.0.0.1:8080</string>
	// 		</array>
	// 		<key>RunAtLoad</key>
	// 		<true/>
	// 	</dict>
	// </plist>
	// [launchctl bootstrap system /Library/LaunchDaemons/svc.plist]
}
