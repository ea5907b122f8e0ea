variable "name" {
  description = "Prefix for every resource name"
  type        = string
}

variable "cidr_block" {
  description = "The VPC's address range"
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Availability zones to spread subnets over (2 or more for RDS and the ALB)"
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2
    error_message = "The ALB and RDS subnet groups need at least two availability zones."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all private subnets (cheaper) instead of one per zone"
  type        = bool
  default     = true
}
