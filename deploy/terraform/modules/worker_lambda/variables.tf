variable "name" {
  type = string
}

variable "package_path" {
  description = "Zip with the seatguard package and its dependencies for python3.12 (see docs/deploy.md)"
  type        = string
}

variable "queue_arn" {
  type = string
}

variable "environment" {
  description = "Environment variables (Lambda has no Secrets Manager references; see docs/deploy.md)"
  type        = map(string)
  sensitive   = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the environment variables; null uses the AWS-managed key"
  type        = string
  default     = null
}

variable "subnet_ids" {
  type = list(string)
}

variable "security_group_ids" {
  type = list(string)
}

variable "architecture" {
  type    = string
  default = "x86_64"
}

variable "memory_mb" {
  type    = number
  default = 512
}

variable "timeout_seconds" {
  description = "Per batch; the queue's visibility timeout should be six times this"
  type        = number
  default     = 60
}

variable "batch_size" {
  type    = number
  default = 10
}

variable "batching_window_seconds" {
  type    = number
  default = 0
}

variable "maximum_concurrency" {
  description = "Concurrent Lambda instances for this queue (2-1000); bounds database connections"
  type        = number
  default     = 10
}

variable "log_retention_days" {
  type    = number
  default = 30
}
