"""Files every app process and worker must see (uploads, trained models), kept in the database."""
