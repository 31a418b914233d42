-- Groups of members (working groups: instrument, data reduction, ...) and
-- who is in them. The table is member_groups: GROUPS is a reserved word in
-- MySQL 8. Removing a group removes its memberships, never people or
-- their history. MySQL commits DDL implicitly: both statements are safe to
-- run again.

-- +goose Up
CREATE TABLE IF NOT EXISTS member_groups (
    id          BIGINT       NOT NULL AUTO_INCREMENT,
    name        VARCHAR(64)  NOT NULL,
    description VARCHAR(255) NOT NULL DEFAULT '',
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY member_groups_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS group_members (
    group_id BIGINT      NOT NULL,
    user_id  BIGINT      NOT NULL,
    added_at DATETIME(6) NOT NULL,
    PRIMARY KEY (group_id, user_id),
    KEY group_members_user (user_id),
    CONSTRAINT group_members_group_fk FOREIGN KEY (group_id) REFERENCES member_groups (id) ON DELETE CASCADE,
    CONSTRAINT group_members_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
-- Forward-only: migrations are never rolled back.
