-- Payout IBANs are sealed (AES-256-GCM with the data secret) like stream keys; only the last 4 stay readable.
-- Existing plain-text values are re-sealed by the service at start (it holds the secret), then cleared.
ALTER TABLE monetization ADD COLUMN payout_iban_sealed text NOT NULL DEFAULT '';
ALTER TABLE monetization ADD COLUMN payout_iban_last4 text NOT NULL DEFAULT '';
