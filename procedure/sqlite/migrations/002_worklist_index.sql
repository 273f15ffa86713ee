-- The worklist reads dues in deadline order, filtering by from_at and who,
-- from this index alone, without sorting.
CREATE INDEX dues_worklist ON dues (by_at, case_id, what, ref, from_at, who, item);
