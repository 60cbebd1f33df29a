package admin

import (
	"strings"
	"testing"
)

const hierarchy = `
agencies:
  - id: city
    name: 示例市人民政府
    kind: government
    chain: [{ name: 办公室, approvers: [office@city.local] }]
  - id: gov
    name: 示例区人民政府
    kind: government
    parent: city
    due: { department: "01-31", township: "01-31", government: "03-31", publish: "02-28" }
    chain: [{ name: 办公室, approvers: [office@gov.local] }]
  - id: dept
    name: 示例区应急管理局
    parent: gov
    chain: [{ name: 办公室, approvers: [office@dept.local] }]
  - id: town
    name: 示例镇人民政府
    kind: township
    parent: gov
    chain: [{ name: 党政办, approvers: [office@town.local] }]
users:
  - { email: supervisor@gov.local, agency: gov, roles: [supervisor] }
`

func TestParseHierarchy(t *testing.T) {
	f, err := Parse([]byte(hierarchy))
	if err != nil {
		t.Fatal(err)
	}
	if f.Agencies[1].Parent != "city" || f.Agencies[1].Due.Publish != "02-28" || f.Agencies[3].Kind != "township" {
		t.Errorf("parsed %+v", f.Agencies)
	}
}

func TestParseRefusesHierarchyMistakes(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"unknown parent", "parent: gov\n    chain: [{ name: 办公室, approvers: [office@dept", "parent: nowhere\n    chain: [{ name: 办公室, approvers: [office@dept", "nowhere"},
		{"a department as parent", "parent: gov\n    chain: [{ name: 党政办", "parent: dept\n    chain: [{ name: 党政办", "须为政府单位"},
		{"a cycle", "name: 示例市人民政府\n    kind: government", "name: 示例市人民政府\n    kind: government\n    parent: gov", "循环"},
		{"its own parent", "name: 示例市人民政府\n    kind: government", "name: 示例市人民政府\n    kind: government\n    parent: city", "循环"},
		{"unknown kind", "kind: township", "kind: village", "village"},
		{"a bad due date", `publish: "02-28"`, `publish: "02-30"`, "due.publish"},
		{"an unknown due key", `publish: "02-28"`, `publish: "02-28", filing: "01-31"`, "filing"},
		{"due on a department", "parent: gov\n    chain: [{ name: 办公室, approvers: [office@dept", "parent: gov\n    due: { department: \"01-20\" }\n    chain: [{ name: 办公室, approvers: [office@dept", "只有政府单位"},
		{"a supervisor of a department", "agency: gov, roles: [supervisor]", "agency: dept, roles: [supervisor]", "supervisor 角色只能"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(hierarchy, tt.from, tt.to, 1)
			if in == hierarchy {
				t.Fatal("the case changes nothing")
			}
			_, err := Parse([]byte(in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
