-- The directory as another service sees it: kept by the DirectoryMirror reaction.
CREATE TABLE IF NOT EXISTS directory_campuses (
    campus_id text PRIMARY KEY, school_id text NOT NULL, district_id text NOT NULL, name text NOT NULL,
    closed boolean NOT NULL DEFAULT false, students integer NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS directory_terms (
    term_id text PRIMARY KEY, school_id text NOT NULL, name text NOT NULL, starts_on date NOT NULL, ends_on date NOT NULL);
CREATE TABLE IF NOT EXISTS directory_classes (
    class_id text PRIMARY KEY, campus_id text NOT NULL, school_id text NOT NULL, district_id text NOT NULL,
    name text NOT NULL, grade integer NOT NULL, students integer NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS directory_class_teachers (
    class_id text NOT NULL, staff_id text NOT NULL, subject text NOT NULL, PRIMARY KEY (class_id, staff_id, subject));
CREATE TABLE IF NOT EXISTS directory_staff (
    staff_id text PRIMARY KEY, district_id text NOT NULL, school_id text, name text NOT NULL,
    roles text[] NOT NULL, campus_ids text[] NOT NULL, active boolean NOT NULL DEFAULT true);
CREATE TABLE IF NOT EXISTS directory_students (
    student_id text PRIMARY KEY, class_id text NOT NULL, campus_id text NOT NULL, school_id text NOT NULL,
    district_id text NOT NULL, name text NOT NULL, admission text NOT NULL, active boolean NOT NULL DEFAULT true);
