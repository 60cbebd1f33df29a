package links

import (
	"testing"
	"time"
)

func TestLifetime(t *testing.T) {
	for d, want := range map[time.Duration]string{
		LoginLife:                        "15 分钟",
		SessionLife:                      "8 小时",
		48 * time.Hour:                   "2 天",
		90 * time.Minute:                 "90 分钟",
		90*time.Second + time.Nanosecond: "2 分钟",
		30 * time.Second:                 "30 秒",
	} {
		if got := Lifetime(d); got != want {
			t.Errorf("Lifetime(%v) = %q, want %q", d, got, want)
		}
	}
}
