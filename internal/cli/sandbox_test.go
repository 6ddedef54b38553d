package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/sandbox"
)

func TestSandboxOptions(t *testing.T) {
	base := sandboxOptions{tier: "business", featuresInterval: 10 * time.Second, tokenTTL: time.Hour, pageSize: 2000}
	tests := []struct {
		name    string
		change  func(*sandboxOptions)
		wantErr string
		check   func(t *testing.T, o sandbox.Options)
	}{
		{name: "defaults", change: func(*sandboxOptions) {}, check: func(t *testing.T, r sandbox.Options) {
			if r.Tier != "business" || r.FeaturesInterval != 10*time.Second || r.LicensedSeats != 0 || r.FreeAddOns || r.LenientBatches {
				t.Errorf("options %+v", r)
			}
		}},
		{name: "seats and free add-ons", change: func(o *sandboxOptions) { o.licensedSeats, o.basicSeats, o.freeAddOns = 5, 7, true },
			check: func(t *testing.T, r sandbox.Options) {
				if r.LicensedSeats != 5 || r.BasicSeats != 7 || !r.FreeAddOns {
					t.Errorf("options %+v", r)
				}
			}},
		{name: "features rule off", change: func(o *sandboxOptions) { o.featuresInterval = 0 },
			check: func(t *testing.T, r sandbox.Options) {
				if r.FeaturesInterval >= 0 {
					t.Errorf("features interval %v, want the sandbox's off (negative)", r.FeaturesInterval)
				}
			}},
		{name: "300 a page", change: func(o *sandboxOptions) { o.pageSize = 300 },
			check: func(t *testing.T, r sandbox.Options) {
				if r.UserPageSize != 300 {
					t.Errorf("UserPageSize %d, want 300", r.UserPageSize)
				}
			}},
		{name: "page size past Zoom's most", change: func(o *sandboxOptions) { o.pageSize = 2001 }, wantErr: "--page-size"},
		{name: "page size zero", change: func(o *sandboxOptions) { o.pageSize = 0 }, wantErr: "--page-size"},
		{name: "tier", change: func(o *sandboxOptions) { o.tier = "enterprise" }, wantErr: "--tier"},
		{name: "negative licensed seats", change: func(o *sandboxOptions) { o.licensedSeats = -1 }, wantErr: "--licensed-seats"},
		{name: "negative basic seats", change: func(o *sandboxOptions) { o.basicSeats = -2 }, wantErr: "--basic-seats"},
		{name: "token ttl", change: func(o *sandboxOptions) { o.tokenTTL = 0 }, wantErr: "--token-ttl"},
		{name: "faults", change: func(o *sandboxOptions) { o.faults = "5xx=2" }, wantErr: "--faults"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			tt.change(&o)
			got, err := o.options(false)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}
