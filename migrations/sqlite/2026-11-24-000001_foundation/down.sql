DROP TABLE activity;
DROP TABLE memberships;
DROP TABLE organizations;
DROP TABLE identities;
DROP TABLE users;
