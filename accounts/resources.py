"""django-import-export resources for insured persons."""

from import_export import fields, resources

from .models import InsuredPerson


class InsuredPersonExportResource(resources.ModelResource):
    """The person export's columns, as django-import-export's export page lists them.

    The admin writes the rows with ``accounts.exporting`` instead (streamed, from
    plain values, with the same headers: a test holds the two together); this
    per-object export serves any other use of the resource.
    """

    national_id = fields.Field(attribute="national_id", column_name="身份证号")
    name = fields.Field(attribute="name", column_name="姓名")
    sex = fields.Field(attribute="get_sex_display", column_name="性别")
    birth_date = fields.Field(attribute="birth_date", column_name="出生日期")
    insurance_type = fields.Field(attribute="get_insurance_type_display", column_name="参保类型")
    region = fields.Field(attribute="region_id", column_name="统筹区编码")
    enrolled_on = fields.Field(attribute="enrolled_on", column_name="参保日期")
    status = fields.Field(attribute="get_status_display", column_name="参保状态")
    mobile = fields.Field(attribute="mobile", column_name="手机号")
    balance = fields.Field(column_name="个人账户余额")

    class Meta:
        model = InsuredPerson
        fields = (
            "national_id",
            "name",
            "sex",
            "birth_date",
            "insurance_type",
            "region",
            "enrolled_on",
            "status",
            "mobile",
            "balance",
        )
        export_order = fields

    def dehydrate_balance(self, person):
        account = getattr(person, "account", None) if person.has_personal_account else None
        return "" if account is None else f"{account.balance:.2f}"
