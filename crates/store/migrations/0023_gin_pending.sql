-- PostgreSQL keeps new entries of a GIN index in a pending list that every search reads
-- in full, up to 4 MB by default: at a million learners a two-character name search spent
-- most of its time there. A short list is merged into the index more often instead; bulk
-- writes empty it at once (Db::analyze).
-- @postgres
ALTER INDEX institution_outcomes_name_trgm SET (gin_pending_list_limit = 256);
ALTER INDEX institution_outcomes_name_bigrams SET (gin_pending_list_limit = 256);
ALTER INDEX learners_name_bigrams SET (gin_pending_list_limit = 256);
ALTER INDEX conversion_rules_name_bigrams SET (gin_pending_list_limit = 256);
ALTER INDEX institutions_name_bigrams SET (gin_pending_list_limit = 256);
-- @end
