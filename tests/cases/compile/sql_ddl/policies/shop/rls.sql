ALTER TABLE shop.items ENABLE ROW LEVEL SECURITY;

CREATE POLICY "owners manage" ON shop.items
    FOR ALL TO authenticated
    USING (owner_id = (SELECT auth.uid()))
    WITH CHECK (owner_id = (SELECT auth.uid()));

CREATE POLICY "anyone reads" ON shop.items FOR SELECT TO anon USING (deleted_at IS NULL);
