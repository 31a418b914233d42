-- A database and an account for pfsnotify on MariaDB 10.6+ / MySQL 8.
-- Run once as the server's administrator, with your own password:
--   sudo mariadb < contrib/mariadb/create-database.sql
-- then set in /etc/pfsnotify/config.yaml:
--   database:
--     driver: mysql
--     dsn: "pfsnotify:CHANGE-ME@tcp(127.0.0.1:3306)/pfsnotify"
-- and run "pfsnotify db migrate". pfsnotify itself adds parseTime=true,
-- loc=UTC and a UTC session time zone to the DSN.

CREATE DATABASE IF NOT EXISTS pfsnotify CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS 'pfsnotify'@'localhost' IDENTIFIED BY 'CHANGE-ME';
CREATE USER IF NOT EXISTS 'pfsnotify'@'127.0.0.1' IDENTIFIED BY 'CHANGE-ME';
-- Migrations create tables and indexes; the jobs read and write rows.
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, LOCK TABLES
    ON pfsnotify.* TO 'pfsnotify'@'localhost', 'pfsnotify'@'127.0.0.1';
