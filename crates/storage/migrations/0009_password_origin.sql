-- Who set an account's current password when an administrator did (creating the account or
-- resetting it). An administrator who knows an account's password must not be the one to make it
-- an account that reads documents (domain `PasswordOrigin`); a person's own change keeps the value,
-- since the administrator could have made that change too, signed in as them.
ALTER TABLE users ADD COLUMN password_set_by BIGINT REFERENCES users(id);
