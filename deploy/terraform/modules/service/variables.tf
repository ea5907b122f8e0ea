variable "name" {
  description = "Service name: auth, booking, sweeper, migrate"
  type        = string
}

variable "environment_name" {
  description = "Deployment name (e.g. production), used in resource names"
  type        = string
}

variable "region" {
  type = string
}

variable "cluster_arn" {
  type = string
}

variable "cluster_name" {
  type = string
}

variable "image" {
  description = "Container image, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/seatguard:1.4.0"
  type        = string
}

variable "command" {
  description = "Arguments after the image's `seatguard` entry point"
  type        = list(string)
}

variable "container_port" {
  description = "Port the process listens on; null for processes without HTTP (sweeper)"
  type        = number
  default     = null
}

variable "cpu" {
  type     = number
  default  = 512
  nullable = false
}

variable "memory" {
  type     = number
  default  = 1024
  nullable = false
}

variable "cpu_architecture" {
  type    = string
  default = "X86_64"
}

variable "min_count" {
  description = "Tasks kept running (and the initial desired count)"
  type        = number
  default     = 1
  nullable    = false
}

variable "max_count" {
  description = "Autoscaling ceiling; equal to min_count disables autoscaling"
  type        = number
  default     = 1
  nullable    = false
}

variable "cpu_target_percent" {
  type    = number
  default = 60
}

variable "requests_per_target" {
  description = "ALB requests per task per minute to track; null tracks CPU only"
  type        = number
  default     = null
}

variable "alb_resource_label" {
  description = "app/<alb-name>/<id>/targetgroup/<tg-name>/<id>, for request-count tracking"
  type        = string
  default     = null
}

variable "environment" {
  description = "Plain (non-secret) environment variables"
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Environment variable name → Secrets Manager secret ARN"
  type        = map(string)
  default     = {}
}

variable "subnet_ids" {
  type = list(string)
}

variable "security_group_ids" {
  type = list(string)
}

variable "target_group_arn" {
  type    = string
  default = null
}

variable "task_policy_json" {
  description = "IAM policy for the running task (e.g. SQS access)"
  type        = string
  default     = null
}

variable "attach_task_policy" {
  description = "Attach task_policy_json to the task role; a separate flag because the policy is often unknown until apply, and count must be known when planning"
  type        = bool
  default     = false
  nullable    = false
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "stop_timeout_seconds" {
  description = "Time between SIGTERM and SIGKILL: long enough to finish in-flight work"
  type        = number
  default     = 30
}

variable "create_service" {
  description = "false: only the task definition (for one-off tasks such as migrations)"
  type        = bool
  default     = true
  nullable    = false
}

variable "enable_execute_command" {
  type    = bool
  default = false
}
