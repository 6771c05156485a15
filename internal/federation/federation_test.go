package federation

import "testing"

// TestPartitionFor checks that the ARN's partition wins and that the
// region decides only for an ARN without one.
func TestPartitionFor(t *testing.T) {
	tests := []struct{ arn, region, want string }{
		{"arn:aws:sts::1:assumed-role/R/s", "cn-north-1", "aws"},
		{"arn:aws-cn:sts::1:assumed-role/R/s", "", "aws-cn"},
		{"arn:aws-us-gov:sts::1:assumed-role/R/s", "", "aws-us-gov"},
		{"", "cn-northwest-1", "aws-cn"},
		{"", "us-gov-east-1", "aws-us-gov"},
		{"", "", "aws"},
		{"arn:aws-iso:sts::1:assumed-role/R/s", "", "aws"},
	}
	for _, tt := range tests {
		if got := PartitionFor(tt.arn, tt.region).ID; got != tt.want {
			t.Errorf("PartitionFor(%q, %q) = %s, want %s", tt.arn, tt.region, got, tt.want)
		}
	}
}
