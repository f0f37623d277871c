-- Lists show an institution's newest rows first (ORDER BY id DESC): these indexes hand
-- them over in that order, so a page reads its 20 rows instead of sorting every row of
-- a large institution (its 5 000 000 learner outcomes took seconds per page view).
CREATE INDEX IF NOT EXISTS learner_outcomes_issuer_id ON learner_outcomes(issuer_institution_id, id);
CREATE INDEX IF NOT EXISTS institution_outcomes_institution_id ON institution_outcomes(institution_id, id);
CREATE INDEX IF NOT EXISTS learners_institution_id ON learners(created_by_institution, id);
