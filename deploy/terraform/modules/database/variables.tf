variable "name" {
  type = string
}

variable "subnet_ids" {
  description = "Private subnets in at least two zones"
  type        = list(string)
}

variable "security_group_ids" {
  type = list(string)
}

variable "engine_major_version" {
  type    = string
  default = "16"
}

variable "instance_class" {
  type    = string
  default = "db.t4g.small"
}

variable "allocated_storage" {
  type    = number
  default = 20
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB"
  type        = number
  default     = 100
}

variable "database_name" {
  type    = string
  default = "seatguard"
}

variable "username" {
  type    = string
  default = "seatguard"
}

variable "multi_az" {
  type    = bool
  default = true
}

variable "backup_retention_days" {
  description = "Automated backups kept (and the point-in-time recovery window), 1-35 days"
  type        = number
  default     = 14
}

variable "deletion_protection" {
  type    = bool
  default = true
}
