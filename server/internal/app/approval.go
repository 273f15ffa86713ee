package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// approvals returns how the rules' approvals are checked: the approvals
// directory, the board's keys and the quorum; nil when no board key is
// set (approvals are then neither shown nor required).
func (cfg *Config) approvals() (*rulebook.Approvals, error) {
	quorum := 2
	if cfg.ApprovalQuorum != "" {
		n, err := strconv.Atoi(cfg.ApprovalQuorum)
		if err != nil || n < 1 {
			return nil, &ConfigError{"approval-quorum", fmt.Sprintf("%q is not a whole number of at least 1", cfg.ApprovalQuorum)}
		}
		quorum = n
	}
	var vkeys []string
	seen := map[string]bool{}
	for _, k := range strings.Split(cfg.BoardKeys, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		if raw, err := os.ReadFile(k); err == nil {
			k = strings.TrimSpace(string(raw))
		}
		if !seen[k] {
			seen[k] = true
			vkeys = append(vkeys, k)
		}
	}
	if cfg.RequireApproval && len(vkeys) == 0 {
		return nil, &ConfigError{"board-keys", "--require-approval needs the board's public keys (files or keys, comma-separated)"}
	}
	if cfg.RequireApproval && cfg.Approvals == "" {
		return nil, &ConfigError{"approvals", "--require-approval needs the directory of the board's approval notes"}
	}
	if len(vkeys) > 0 && quorum > len(vkeys) {
		return nil, &ConfigError{"approval-quorum", fmt.Sprintf("%d is more than the %d distinct --board-keys", quorum, len(vkeys))}
	}
	if cfg.Approvals != "" {
		if err := checkDir(cfg.Approvals, false); err != nil {
			return nil, &ConfigError{"approvals", err.Error()}
		}
		if cfg.RulesDir != "" && inside(cfg.Approvals, cfg.RulesDir) {
			return nil, &ConfigError{"approvals", fmt.Sprintf("%s is inside the rules directory %s; keep the approvals outside the watched rules", cfg.Approvals, cfg.RulesDir)}
		}
	}
	if len(vkeys) == 0 {
		return nil, nil
	}
	keys, err := audit.Verifiers(vkeys...)
	if err != nil {
		return nil, &ConfigError{"board-keys", err.Error()}
	}
	return &rulebook.Approvals{Dir: cfg.Approvals, Keys: keys, Quorum: quorum}, nil
}

// inside reports whether dir is parent or under it.
func inside(dir, parent string) bool {
	a, err1 := filepath.Abs(dir)
	b, err2 := filepath.Abs(parent)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(b, a)
	return err == nil && (rel == "." || !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && rel != "..")
}
