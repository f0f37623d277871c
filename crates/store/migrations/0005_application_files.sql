-- Materials a learner uploads with a conversion application (Guangdong variant).
CREATE TABLE application_files (
    application_id BIGINT NOT NULL REFERENCES conversion_applications(id) ON DELETE CASCADE,
    file_id BIGINT NOT NULL REFERENCES files(id),
    PRIMARY KEY (application_id, file_id)
);
CREATE INDEX application_files_file ON application_files(file_id);
