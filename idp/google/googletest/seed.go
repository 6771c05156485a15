package googletest

// SeedConfig is an aws-google-auth user's ~/.aws/config, as the seed user
// of design.md has it: profile sts with google_config.* keys, and a profile
// chained on it.
const SeedConfig = `[profile sts]
region = ap-northeast-1
google_config.ask_role = False
google_config.keyring = False
google_config.duration = 43200
google_config.google_idp_id = C01abc234
google_config.role_arn = arn:aws:iam::111111111111:role/jump-sso
google_config.google_sp_id = 123456789012
google_config.u2f_disabled = False
google_config.google_username = alice@example.com
google_config.bg_response = None

[profile from_fumidai]
role_arn = arn:aws:iam::222222222222:role/from_fumidai
source_profile = sts
region = ap-northeast-1
`
