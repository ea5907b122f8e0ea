variable "region" {
  description = "AWS region"
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Deployment name, used in resource names and tags"
  type        = string
  default     = "production"
}

variable "image" {
  description = "SeatGuard container image (built from deploy/Dockerfile), pinned by tag or digest"
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate for the HTTPS listener (same region as the ALB)"
  type        = string
}

variable "public_base_url" {
  description = "Where buyers reach SeatGuard, e.g. https://tickets.example.com (success links, webhooks)"
  type        = string
}

variable "cors_origins" {
  description = "Comma-separated front-end origins allowed by CORS"
  type        = string
  default     = ""
}

# --- database -----------------------------------------------------------------------------

variable "database_url" {
  description = "An external PostgreSQL (e.g. Neon) as a SQLAlchemy URL; empty creates RDS"
  type        = string
  default     = ""
  sensitive   = true
}

variable "db_instance_class" {
  type    = string
  default = "db.t4g.small"
}

variable "db_multi_az" {
  type    = bool
  default = true
}

variable "db_backup_retention_days" {
  description = "RDS automated backups and point-in-time recovery window (1-35 days)"
  type        = number
  default     = 14
}

variable "db_deletion_protection" {
  type    = bool
  default = true
}

# --- secrets (stored in Secrets Manager; tasks get them as `secrets`, not plaintext env) ---

variable "jwt_secret" {
  description = "HS256 secret shared by auth (signs) and booking (verifies)"
  type        = string
  sensitive   = true
}

variable "stripe_secret_key" {
  description = "Stripe secret key (sk_live_… or sk_test_…)"
  type        = string
  sensitive   = true

  validation {
    # The services refuse to start without a real key; say so at plan time already.
    condition     = can(regex("^[sr]k_(live|test)_.+", var.stripe_secret_key)) && var.stripe_secret_key != "sk_test_sandbox"
    error_message = "stripe_secret_key must be a real Stripe secret key (sk_live_… or sk_test_…), not the sandbox's."
  }
}

variable "stripe_webhook_secret" {
  description = "The webhook endpoint's signing secret (whsec_…)"
  type        = string
  sensitive   = true
}

variable "ticket_signing_key" {
  description = "Ed25519 private key for ticket codes (PEM, or base64url of the 32 raw bytes)"
  type        = string
  sensitive   = true
}

# --- email --------------------------------------------------------------------------------

variable "smtp_host" {
  description = "SMTP relay (e.g. email-smtp.eu-west-1.amazonaws.com for SES)"
  type        = string
}

variable "smtp_port" {
  type    = number
  default = 587
}

variable "smtp_user" {
  type    = string
  default = ""
}

variable "smtp_password" {
  description = "Stored in Secrets Manager when set"
  type        = string
  default     = ""
  sensitive   = true
}

variable "email_from" {
  type    = string
  default = "SeatGuard <tickets@example.com>"
}

# --- queue and worker ---------------------------------------------------------------------

variable "queue_max_receive_count" {
  description = "Deliveries before a message moves to the dead-letter queue"
  type        = number
  default     = 8
}

variable "worker_package_path" {
  description = "Path to the worker Lambda zip (seatguard and its dependencies for python3.12)"
  type        = string
  default     = "../../dist/seatguard-lambda.zip"
}

variable "worker_timeout_seconds" {
  type    = number
  default = 60
}

variable "worker_max_concurrency" {
  description = "Concurrent worker Lambdas (each holds a database connection)"
  type        = number
  default     = 10
}

# --- services -----------------------------------------------------------------------------

variable "auth_min_count" {
  type    = number
  default = 2
}

variable "auth_max_count" {
  type    = number
  default = 4
}

variable "booking_min_count" {
  type    = number
  default = 2
}

variable "booking_max_count" {
  type    = number
  default = 10
}

variable "booking_workers" {
  description = "uvicorn worker processes per booking task (metrics use multiprocess mode)"
  type        = number
  default     = 2
}

variable "booking_cpu" {
  type    = number
  default = 1024
}

variable "booking_memory" {
  type    = number
  default = 2048
}

variable "booking_requests_per_target" {
  description = "ALB requests per booking task per minute that autoscaling aims for"
  type        = number
  default     = 3000
}

variable "db_pool_size" {
  description = "Connections per process; tasks x workers x pool must stay under the database's limit"
  type        = number
  default     = 5
}

# --- operations ---------------------------------------------------------------------------

variable "single_nat_gateway" {
  type    = bool
  default = true
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "alarm_email" {
  description = "Where alarms are emailed (empty: the SNS topic has no subscription)"
  type        = string
  default     = ""
}

variable "alb_5xx_threshold" {
  description = "5xx answers per 5 minutes that raise the alarm"
  type        = number
  default     = 10
}
