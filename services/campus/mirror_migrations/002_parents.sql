-- Parents and their children: who signs a child's safety agreement, who is told of an injury.
CREATE TABLE IF NOT EXISTS directory_parents (
    parent_id text PRIMARY KEY, district_id text NOT NULL, school_id text NOT NULL, name text NOT NULL,
    phone text NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS directory_parent_students (
    parent_id text NOT NULL, student_id text NOT NULL, relation text NOT NULL, PRIMARY KEY (parent_id, student_id));
CREATE INDEX IF NOT EXISTS directory_parent_students_student ON directory_parent_students (student_id);
