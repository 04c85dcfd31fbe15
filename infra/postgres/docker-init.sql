-- Runs once, when the PostgreSQL container starts on an empty data volume
-- (/docker-entrypoint-initdb.d/). One database per service, owned by the
-- houqin role that the image creates from POSTGRES_USER.
-- Generated from services/registry.py: python -m services.registry docker-init-sql
CREATE DATABASE houqin_directory OWNER houqin;
CREATE DATABASE houqin_safety OWNER houqin;
CREATE DATABASE houqin_canteen OWNER houqin;
CREATE DATABASE houqin_inventory OWNER houqin;
CREATE DATABASE houqin_hr_eval OWNER houqin;
CREATE DATABASE houqin_report OWNER houqin;
