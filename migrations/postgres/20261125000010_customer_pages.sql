-- Keyset pages of a program's customers, newest first, with or without a status filter.
CREATE INDEX customers_program_id ON customers(program_id, id);
CREATE INDEX customers_program_status_id ON customers(program_id, status, id);
