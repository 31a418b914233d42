-- Groups of members (working groups: instrument, data reduction, ...) and
-- who is in them. The table is member_groups, as on MySQL, where GROUPS is
-- a reserved word. Removing a group removes its memberships, never people
-- or their history.

-- +goose Up
CREATE TABLE IF NOT EXISTS member_groups (
    id          INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    name        VARCHAR(64)  NOT NULL,
    description VARCHAR(255) NOT NULL DEFAULT '',
    created_at  DATETIME     NOT NULL,
    updated_at  DATETIME     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS member_groups_name ON member_groups (name);

CREATE TABLE IF NOT EXISTS group_members (
    group_id BIGINT   NOT NULL,
    user_id  BIGINT   NOT NULL,
    added_at DATETIME NOT NULL,
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (group_id) REFERENCES member_groups (id) ON DELETE CASCADE,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS group_members_user ON group_members (user_id);

-- +goose Down
-- Forward-only: migrations are never rolled back.
