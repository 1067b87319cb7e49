ALTER TABLE activity DROP COLUMN actor_name;
DROP TABLE security_events;
DROP TABLE sessions;
