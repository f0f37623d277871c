-- The department's audit search (审计日志) filters by action and by who acted.
CREATE INDEX audit_log_action ON audit_log(action, id);
CREATE INDEX audit_log_actor ON audit_log(actor_role, actor_id, id);
