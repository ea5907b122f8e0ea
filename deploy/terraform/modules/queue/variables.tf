variable "name" {
  type = string
}

variable "max_receive_count" {
  description = "Deliveries before a message moves to the dead-letter queue"
  type        = number
  default     = 8
}

variable "visibility_timeout_seconds" {
  description = "At least six times the worker Lambda's timeout (AWS's advice for event sources)"
  type        = number
  default     = 360
}

variable "message_retention_seconds" {
  type    = number
  default = 4 * 24 * 3600
}
